"""Pagination for the big lists without a COUNT over the filtered rows."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class KnownCountPaginator(Paginator):
    """A paginator given its count (e.g. an index-only count of the unit's grants), so
    Django does not run ``COUNT(*)`` over the joined, filtered list."""

    def __init__(self, object_list, per_page, *, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        if self._known_count is not None:
            return self._known_count
        return super().count
