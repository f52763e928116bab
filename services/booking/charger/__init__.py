"""At the charger: ReserveNow / CancelReservation through connectivity, and their answers."""
