"""Back office of the auto-publish rules."""
