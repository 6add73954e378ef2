"""Where events go: JSON lines on stdout, or the live Rich table."""
