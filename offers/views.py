from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import MigrationProgram, Provider


@require_GET
def home(request):
    providers = Provider.objects.published().prefetch_related(
        Prefetch(
            "programs",
            queryset=MigrationProgram.objects.filter(is_published=True).prefetch_related("benefits"),
        )
    )
    return render(request, "offers/home.html", {"providers": providers})
