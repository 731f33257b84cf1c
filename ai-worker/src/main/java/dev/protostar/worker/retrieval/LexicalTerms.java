package dev.protostar.worker.retrieval;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one tokeniser of lexical retrieval: what a chunk is indexed under and what a
 * question is looked up by (schema: the backend's V5__lexical_search.sql).
 *
 * <p>
 * Korean writes particles and endings onto the stem with no space ("휴가는",
 * "휴가를"), so whole words rarely match between a question and a document. As
 * Lucene's CJK analyser does, runs of Hangul, Han, Hiragana and Katakana become
 * overlapping character bigrams ("육아휴직" → 육아, 아휴, 휴직; a lone character stays a
 * unigram), which match whatever the endings; any other run of letters and digits is
 * one lower-cased word. Text is NFKC-normalised first (full-width Latin, compatibility
 * Hangul jamo, ligatures), so no locale or database collation takes part.
 *
 * <p>
 * Terms reach PostgreSQL as {@code tsvector} and {@code tsquery} literals, not through
 * {@code to_tsvector}: the server's parser would tokenise them again by its own rules
 * and locale. Terms hold only letters, digits and marks, and are quoted anyway.
 */
public final class LexicalTerms {

	/** Longer runs are not words (hashes, base64, a URL without punctuation). */
	static final int MAX_TERM = 64;

	/** Distinct terms a question is looked up by, at most. */
	static final int MAX_QUERY_TERMS = 64;

	/**
	 * English function words, dropped from questions only (as Lucene's CJK analyser
	 * drops them, but chunks keep them so the list can change without re-indexing):
	 * they match nearly every chunk, which costs time and ranks nothing.
	 */
	private static final Set<String> STOP_WORDS = Set.of("a", "an", "and", "are", "as", "at", "be", "but", "by",
			"can", "do", "does", "for", "how", "i", "if", "in", "into", "is", "it", "my", "no", "not", "of", "on",
			"or", "s", "such", "t", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
			"what", "when", "where", "which", "who", "will", "with", "you", "your");

	private LexicalTerms() {
	}

	/** The text's terms in order, repeats kept (positions matter for ranking). */
	public static List<String> terms(String text) {
		List<String> terms = new ArrayList<>();
		if (text == null || text.isEmpty()) {
			return terms;
		}
		String normal = Normalizer.normalize(text, Normalizer.Form.NFKC);
		int i = 0;
		int n = normal.length();
		while (i < n) {
			int cp = normal.codePointAt(i);
			if (bigrammed(cp)) {
				int end = i;
				List<Integer> run = new ArrayList<>();
				while (end < n && bigrammed(normal.codePointAt(end))) {
					run.add(normal.codePointAt(end));
					end += Character.charCount(normal.codePointAt(end));
				}
				if (run.size() == 1) {
					terms.add(Character.toString(run.get(0)));
				}
				for (int k = 0; k + 1 < run.size(); k++) {
					terms.add(Character.toString(run.get(k)) + Character.toString(run.get(k + 1)));
				}
				i = end;
			}
			else if (wordPart(cp)) {
				int end = i;
				while (end < n && wordPart(normal.codePointAt(end)) && !bigrammed(normal.codePointAt(end))) {
					end += Character.charCount(normal.codePointAt(end));
				}
				String word = normal.substring(i, end).toLowerCase(Locale.ROOT);
				if (word.length() <= MAX_TERM && Character.isLetterOrDigit(word.codePointAt(0))) {
					terms.add(word);
				}
				i = end;
			}
			else {
				i += Character.charCount(cp);
			}
		}
		return terms;
	}

	/**
	 * A chunk's terms as a {@code tsvector} literal with positions
	 * ({@code 'term':1,7 'other':2}); positions past PostgreSQL's 16,383 share the last.
	 */
	public static String tsvector(String text) {
		List<String> terms = terms(text);
		Map<String, StringBuilder> positions = new LinkedHashMap<>();
		for (int p = 0; p < terms.size(); p++) {
			StringBuilder at = positions.computeIfAbsent(terms.get(p), (t) -> new StringBuilder());
			if (at.length() > 0) {
				at.append(',');
			}
			at.append(Math.min(p + 1, 16383));
		}
		StringBuilder literal = new StringBuilder(text == null ? 0 : text.length() * 2);
		positions.forEach((term, at) -> {
			if (literal.length() > 0) {
				literal.append(' ');
			}
			literal.append(quote(term)).append(':').append(at);
		});
		return literal.toString();
	}

	/**
	 * The distinct terms a question is looked up by, in order, English stop words left
	 * out, at most {@value #MAX_QUERY_TERMS}.
	 */
	public static List<String> queryTerms(String question) {
		Set<String> distinct = new LinkedHashSet<>();
		for (String term : terms(question)) {
			if (!STOP_WORDS.contains(term) && distinct.size() < MAX_QUERY_TERMS) {
				distinct.add(term);
			}
		}
		return List.copyOf(distinct);
	}

	/**
	 * A question as a {@code tsquery} literal matching any of its {@link #queryTerms}
	 * ({@code 'a' | 'b'}); null when nothing is left to look up (empty, punctuation only,
	 * stop words only).
	 */
	public static String tsquery(String question) {
		return tsquery(queryTerms(question));
	}

	/** Terms as a {@code tsquery} literal matching any of them; null for none. */
	public static String tsquery(List<String> terms) {
		if (terms.isEmpty()) {
			return null;
		}
		StringBuilder query = new StringBuilder();
		for (String term : terms) {
			if (query.length() > 0) {
				query.append(" | ");
			}
			query.append(quote(term));
		}
		return query.toString();
	}

	/**
	 * The share of the text's terms that are Hangul, Han or kana (0 for a text without
	 * terms): how far a question is written in a script an English-only model reads badly.
	 */
	public static double cjkShare(String text) {
		List<String> terms = terms(text);
		if (terms.isEmpty()) {
			return 0;
		}
		long cjk = terms.stream().filter((term) -> bigrammed(term.codePointAt(0))).count();
		return (double) cjk / terms.size();
	}

	/** Quoted for tsvector/tsquery input: quotes doubled, backslashes escaped. */
	static String quote(String term) {
		return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'";
	}

	private static boolean bigrammed(int cp) {
		Character.UnicodeScript script = Character.UnicodeScript.of(cp);
		return script == Character.UnicodeScript.HANGUL || script == Character.UnicodeScript.HAN
				|| script == Character.UnicodeScript.HIRAGANA || script == Character.UnicodeScript.KATAKANA;
	}

	/** Letters and digits, and the marks that belong to them (Devanagari, Thai vowels). */
	private static boolean wordPart(int cp) {
		if (Character.isLetterOrDigit(cp)) {
			return true;
		}
		int type = Character.getType(cp);
		return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
				|| type == Character.ENCLOSING_MARK;
	}

}
