def tasks(user, unit) -> list:
    """Filled in with the feature."""
    return []
