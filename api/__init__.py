"""reskill's HTTP layer: thin FastAPI routes over `recommender.service.Recommender`."""
