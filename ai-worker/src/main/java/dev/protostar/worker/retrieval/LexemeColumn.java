package dev.protostar.worker.retrieval;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Whether document_chunks has its {@code lexemes} column yet (V5__lexical_search.sql).
 * The backend owns the schema and the worker does not wait for it: a worker of this
 * release deployed while the previous backend still runs writes chunks without terms
 * and ranks by vectors alone until the migration lands; the backfill fills the gap
 * afterwards. Once seen, the column is assumed to stay (migrations are additive).
 */
public class LexemeColumn {

	private static final Logger log = LoggerFactory.getLogger(LexemeColumn.class);

	private static final Duration RECHECK = Duration.ofSeconds(30);

	private final JdbcTemplate jdbc;

	private volatile boolean present;

	private volatile long checkedAt;

	private volatile boolean warned;

	public LexemeColumn(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	/** True once the column exists; while it does not, asks the database every 30 s at most. */
	public boolean present() {
		if (this.present) {
			return true;
		}
		long now = System.nanoTime();
		if (this.checkedAt != 0 && now - this.checkedAt < RECHECK.toNanos()) {
			return false;
		}
		this.checkedAt = now;
		this.present = Boolean.TRUE.equals(this.jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM pg_attribute"
				+ " WHERE attrelid = to_regclass('document_chunks') AND attname = 'lexemes' AND NOT attisdropped)",
				Boolean.class));
		if (!this.present && !this.warned) {
			this.warned = true;
			log.warn("document_chunks has no lexemes column yet (the backend applies V5__lexical_search.sql):"
					+ " retrieval ranks by vectors alone and chunks are indexed for words once it exists");
		}
		return this.present;
	}

}
