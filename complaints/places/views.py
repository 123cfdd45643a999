"""Place suggestions for the report form's city and district fields."""

from django.http import JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from complaints.places import selectors as place_selectors

# Longer queries are not place names; the cap keeps a silly request cheap.
SUGGEST_MAX_QUERY = 100


@require_GET
@cache_control(public=True, max_age=3600)
def place_suggest(request):
    """JSON suggestions for the form's city and district fields (see static/js/report-form.js)."""
    query, city = request.GET.get("q", ""), request.GET.get("city", "")
    if len(query) > SUGGEST_MAX_QUERY or len(city) > SUGGEST_MAX_QUERY:
        return JsonResponse({"error": "query too long", "results": []}, status=400)
    if not query.strip() and not city.strip():
        return JsonResponse({"results": []})
    return JsonResponse({"results": place_selectors.place_suggestions(query=query, city=city)})
