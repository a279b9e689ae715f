"""List pages that stay fast on a city-sized book: no full counts, indexed searches."""


class CityScaleListMixin:
    """Mixed into every admin list of the center's books."""
