"""The campaign spec: validated declarations, below the engine that prices them."""
