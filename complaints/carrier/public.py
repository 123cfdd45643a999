"""What the public sees of the carriers' answers: opened places, published statements,
deadlines, disputes and response statistics. Live, not released: none of it is a count of
reports below the quorum. (Filled by issue 19's work.)"""


def city_cases(city_id: int) -> list:
    """The opened places of a city (the city and its districts), with their statements."""
    return []


def response_stats(carrier: str | None = None) -> list:
    """Per carrier: places opened, answered, share answered within CARRIER_ANSWER_DAYS,
    median days to answer, overdue commitments."""
    return []


def disputes() -> dict:
    """Disputed places: {Place id: what the trend chart marks}."""
    return {}
