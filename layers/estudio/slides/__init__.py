"""Slide images: deck → PDF (LibreOffice) → PNGs of the output size (pdftoppm + Pillow)
(``estudio.slides.rasterize``), click-build steps (``.steps``) and the slide cache (``.cache``).

Nothing is imported here: the slide cache's prefixes are read by functions without Pillow."""
