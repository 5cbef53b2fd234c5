"""Voice cloning: the V3 cloning API over HTTPS, and the checks of a recording."""
