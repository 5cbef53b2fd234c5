"""Speech recognition: one utterance over sauc, and the engine of many."""
