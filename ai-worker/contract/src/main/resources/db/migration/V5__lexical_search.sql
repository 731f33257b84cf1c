-- Lexical search over document chunks (issue 5): the second half of hybrid retrieval,
-- next to pgvector kNN (V3). The ai-worker fuses both rankings by reciprocal rank.
-- Additive only: a nullable column and two indexes, so the colour still running the
-- previous release (which neither writes nor reads them) is unaffected.
--
-- Why not PostgreSQL's own text search configurations: none handles Korean. Korean
-- attaches particles and endings to the stem without a space ("휴가는", "휴가를"), so
-- whole-word matching fails, and the built-in parser's idea of a word depends on the
-- server's locale. The worker therefore tokenises in Java (LexicalTerms.java, one
-- place, unit-tested), as Lucene's CJK analyser does: NFKC, Hangul/Han/kana runs as
-- overlapping character bigrams, any other run of letters and digits as one lower-cased
-- word. It writes the terms with their positions as a tsvector literal, and a question
-- becomes a tsquery literal ('a' | 'b' ...), so the server never re-tokenises either.
-- pg_trgm was the alternative: trigrams of Korean syllables are too long for two-syllable
-- stems, and word_similarity ranking cannot use an index with an OR of many terms.
--
-- Ranking is ts_rank over the matches (each distinct query term counts, repeats with
-- diminishing weight, normalised by the chunk's length), limited to the chunks a
-- reader may see, exactly as the kNN side is. PostgreSQL ranks every chunk that matches
-- any term of the OR, so a question's terms found in very many chunks are left out of
-- it (CommonTerms.java, counted with ts_stat in the background).
--
-- NULL means "not tokenised yet": chunks written before this migration, or by a worker
-- of the previous release during a rolling deploy. The worker fills them at start-up
-- and every few minutes after, in batches (LexicalUpkeep.java); the partial index
-- finds them without a scan, and is empty once the backfill is done.
ALTER TABLE document_chunks ADD COLUMN lexemes tsvector;

CREATE INDEX document_chunks_lexemes_gin ON document_chunks USING gin (lexemes);

CREATE INDEX document_chunks_lexemes_missing ON document_chunks (document_id, chunk_index)
    WHERE lexemes IS NULL;
