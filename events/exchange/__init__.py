"""A conference's programme in and out of the portal: one module per exchange format, each holding both
directions (`frab` XML, `c3voc` JSON, `ical`), the plain values they share and the writing into an event
(`programme`), and the HTTP client that fetches a programme by its address (`fetching`)."""
