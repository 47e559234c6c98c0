//! Online orders from the resident shop and delivery platforms; residents' own views.
