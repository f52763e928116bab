"""The reservation lifecycle over time: ReserveNow ahead of the window, activation, no-shows, ends, fulfilment."""
