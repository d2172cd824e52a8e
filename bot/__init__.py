"""authbot: the 防伪dou知道 authenticity bot."""

__version__ = "0.1.0"
