"""Speech: text normalisation, voice providers, timings, captions and visemes."""
