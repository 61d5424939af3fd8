"""The speech-containers policy pack: checks every resource a stack registers, before Azure sees it."""
