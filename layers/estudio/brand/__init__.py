"""The brand kit: logo, intro and outro cards, colours, font, caption style, music bed, template.

``model`` is pure data (imported by ``estudio.models``); ``ingest`` validates a brand file and
copies its assets into the blob store by content hash; ``compose`` draws pictures (logo, template,
cards); ``music`` builds the ducked bed and the loudness-normalised mix; ``stage_parts`` is what the
pipeline stages call.
"""
