// Package search turns what a registry search request carries (filter_string,
// order_by, max_results, page_token) into typed values the store can compile.
//
// It produces no SQL. ParseFilter yields []Clause, ParseOrderBy yields a total
// order ([]OrderTerm ending in a unique key), CheckMaxResults bounds the page
// size, and EncodeToken/DecodeToken carry a keyset position between pages.
// The store compiles clauses and terms to parameterised SQL per dialect, so no
// user text ever reaches SQL except as a bound parameter.
//
// The grammar and every error are MLflow 3.15's (SearchMCP*Utils on top of
// sqlparse, plus the store's post-parse checks), re-implemented with a real
// lexer instead of sqlparse. Where MLflow rejects reasonable input only
// because of a parser quirk we accept it; COMPATIBILITY.md lists each such
// deliberate difference and the tests pin them.
package search
