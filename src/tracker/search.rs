//! Run search: a filter-expression language over runs (metrics, params, tags, attributes) compiled to SQL.
