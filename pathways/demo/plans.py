def seed(demo) -> None:
    """Filled in with the feature."""
