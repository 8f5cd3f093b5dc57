//! Command table: experiments operations.
