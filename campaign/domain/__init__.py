"""Pure logic of FOI campaigns: no Flask, no database session, plain values in and out."""
