"""An Open311 GeoReport v2 read interface for the carriers (docs/open311.md): the anonymized
export of one carrier, pulled by its nightly job with a per-carrier API key."""
