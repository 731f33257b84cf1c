package dev.protostar.worker.retrieval;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The terms found in so many chunks that looking a question up by them costs more than
 * it tells. A lexical query is an OR of the question's terms, and PostgreSQL ranks every
 * chunk that matches any of them: one term in half the chunks makes the query rank half
 * the collection (at 100,000 chunks, tens of milliseconds; scripts/bench/retrieval), while
 * adding almost nothing to the order, as an inverse document frequency near zero says.
 * Such terms are left out of a question unless nothing else is left.
 *
 * <p>
 * The counts come from {@code ts_stat} over every chunk's terms, refreshed by
 * {@link LexicalUpkeep} (a full pass over the lexemes: seconds at 100,000 chunks, in the
 * background); until the first refresh nothing counts as common.
 */
class CommonTerms {

	private final JdbcTemplate jdbc;

	private final int maxChunks;

	private volatile Map<String, Integer> common = Map.of();

	/** @param maxChunks a term in more chunks than this is common */
	CommonTerms(JdbcTemplate jdbc, int maxChunks) {
		this.jdbc = jdbc;
		this.maxChunks = maxChunks;
	}

	/** Counts again. @return how many terms are common now */
	int refresh() {
		Map<String, Integer> counts = new HashMap<>();
		this.jdbc.query("SELECT word, ndoc FROM ts_stat('SELECT lexemes FROM document_chunks"
				+ " WHERE lexemes IS NOT NULL') WHERE ndoc > ?", (rs) -> {
					counts.put(rs.getString(1), rs.getInt(2));
				}, this.maxChunks);
		this.common = Map.copyOf(counts);
		return counts.size();
	}

	/**
	 * The terms worth looking up: those that are not common, or, when every one is, the
	 * least common of them.
	 */
	List<String> worthLookingUp(Collection<String> terms) {
		Map<String, Integer> common = this.common;
		List<String> kept = new ArrayList<>();
		for (String term : terms) {
			if (!common.containsKey(term)) {
				kept.add(term);
			}
		}
		if (kept.isEmpty() && !terms.isEmpty()) {
			kept.add(terms.stream().min(Comparator.comparingInt(common::get)).orElseThrow());
		}
		return kept;
	}

}
