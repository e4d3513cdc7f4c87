SELECT a -- the first column
, /* inline */ b FROM stdin;