"""Training and evaluation tools. The live app never imports this package."""
