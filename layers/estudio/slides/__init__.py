"""Slide images: deck → PDF (LibreOffice) → PNGs of the output size (pdftoppm + Pillow)."""

from estudio.slides.rasterize import deck_to_pdf, find_soffice, fit_size, rasterize_deck

__all__ = ["deck_to_pdf", "find_soffice", "fit_size", "rasterize_deck"]
