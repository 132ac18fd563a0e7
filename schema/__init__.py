"""The GraphQL schema: types, resolvers and the committed SDL ``schema.graphql``."""
