"""Page-number pagination where the client may ask for larger pages, up to a cap."""

from rest_framework.pagination import PageNumberPagination


class PlatformPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
