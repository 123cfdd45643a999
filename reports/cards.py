"""Share cards: 1200 x 630 PNG images of the live count and a city's numbers, drawn with
Pillow, cached until the released evaluation changes."""
