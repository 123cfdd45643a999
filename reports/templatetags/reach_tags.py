"""What the thanks page tells a submitter about their city (from the released evaluation)."""

from django import template

register = template.Library()
