"""HTTP methods as clients expect them: HEAD like GET without a body, 405 with Allow otherwise.

Link checkers, monitors and caches send HEAD; Django's `require_GET` answers it 405. This
middleware serves every HEAD as the GET it stands for (same status and headers, Content-Length of
the GET body) and drops the body, so pages added later need nothing. Methods a view does not
serve (TRACE, OPTIONS, PUT, DELETE, ... and POST where the view only reads) answer 405 with an
`Allow` header, before the view or the CSRF check runs. A view's methods are read from
`require_http_methods` (and its require_GET / require_safe / require_POST forms), a class-based
view's handlers, or an `http_methods` attribute. A view that says nothing runs as before (CSRF
checks included), and its answer to TRACE, CONNECT or OPTIONS becomes a 405 unless it is one.
"""

from django.http import HttpResponseNotAllowed

# Methods any view may be asked without saying so (the Allow of a view that does not declare its own).
COMMON = frozenset({"GET", "HEAD", "POST"})
# Methods no view of Banjia serves: a view that does not declare its methods and answers one of
# these with anything but a 405 is overruled. PUT, PATCH and DELETE are the view's to answer (the
# watches API serves DELETE).
NEVER_SERVED = frozenset({"TRACE", "CONNECT", "OPTIONS"})


def view_methods(view):
    """The methods a view serves (HEAD wherever GET), or None when the view does not say."""
    methods = getattr(view, "http_methods", None)
    view_class = getattr(view, "view_class", None)
    if methods is None and view_class is not None:
        methods = [
            m.upper() for m in view_class.http_method_names if m != "options" and hasattr(view_class, m)
        ]
    func = view
    while methods is None and func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            methods = func.__closure__[code.co_freevars.index("request_method_list")].cell_contents
        func = getattr(func, "__wrapped__", None)
    if methods is None:
        return None
    methods = {m.upper() for m in methods}
    return methods | {"HEAD"} if "GET" in methods else methods


def _allow(methods):
    order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    return sorted(methods, key=lambda m: (order.index(m) if m in order else len(order), m))


def strip_body(response):
    """Empty a GET response for HEAD, keeping its headers (Content-Length is the GET body's)."""
    if response.streaming:
        response.streaming_content = []
        return response
    if not response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    length = response["Content-Length"]
    response.content = b""
    response["Content-Length"] = length
    return response


class HttpMethodsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
            request.META["REQUEST_METHOD"] = "GET"
        response = self.get_response(request)
        undeclared = getattr(request, "banjia_methods_unknown", False) and request.method in NEVER_SERVED
        if undeclared and response.status_code != 405:  # the view answered a method it does not declare
            response.close()
            response = HttpResponseNotAllowed(_allow(COMMON))
        if head:
            request.method = request.META["REQUEST_METHOD"] = "HEAD"
            strip_body(response)
        return response

    def process_view(self, request, view, view_args, view_kwargs):
        methods = view_methods(view)
        if methods is None:
            request.banjia_methods_unknown = True  # decided on the view's answer, in __call__
        elif request.method not in methods:
            return HttpResponseNotAllowed(_allow(methods))
        return None
