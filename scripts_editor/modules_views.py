"""The "Can I require?" page: every npm package and version the sandbox serves, and Node's built-ins.

The data is scriptd_client.catalog.listing(), the same as GET /api/v2/sandbox/modules.
"""

from django.shortcuts import render

from connections_admin.permissions import VIEW, staff_permission_required
from scriptd_client import catalog


def _matches(query: str, *texts: str) -> bool:
    return all(any(word in text.lower() for text in texts) for word in query.lower().split())


@staff_permission_required(VIEW)
def sandbox_modules(request):
    query = request.GET.get("q", "").strip()[:100]
    listing = catalog.listing()
    packages = [p for p in listing["packages"] if _matches(query, p["name"], p["note"], " ".join(p["versions"]))]
    builtins = [b for b in listing["builtins"] if _matches(query, b["name"], b["note"])]
    refused = [r for r in listing["refused"] if _matches(query, r["name"], r["reason"])]
    return render(
        request,
        "scripts_editor/sandbox_modules.html",
        {
            "query": query,
            "packages": packages,
            "builtins": builtins,
            "refused": refused,
            "total": len(listing["packages"]),
            "mongodb": next((p for p in listing["packages"] if p["name"] == "mongodb"), None),
        },
    )
