"""Data access: SQL lives here. Functions take the connection first and never open or
commit transactions; the caller owns them."""
