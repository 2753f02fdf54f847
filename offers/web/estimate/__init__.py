"""The estimate page, in the order one GET flows through it: query.py (the query string) -> forms.py
(parsed once, into the estimator's request document) -> offers.estimator -> display.py (what the page
shows) -> the template; views.py conducts, export.py writes the CSV and XLSX downloads."""
