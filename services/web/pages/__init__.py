"""The site's pages, one module per thing a person does."""
