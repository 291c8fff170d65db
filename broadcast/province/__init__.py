"""The province's side: bulletins sent down to the wards' stations (deliveries) and what became of them."""
