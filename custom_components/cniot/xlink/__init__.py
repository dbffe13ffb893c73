"""The Xlink (云智易) vendor: enterprise or app-user fleets on the /v2 REST API."""
