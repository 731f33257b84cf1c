package dev.protostar.worker.answer;

import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.protostar.worker.retrieval.Passage;

/** Citation markers in an answer's text, and the short excerpts citations carry. */
final class Citations {

	/** Longest excerpt in a citation's {@code quote}, in characters. */
	static final int QUOTE_MAX = 200;

	/** {@code [1]}, {@code [2, 3]}: what the prompts ask models to write. */
	private static final Pattern MARKER = Pattern.compile("\\[(\\d{1,3}(?:\\s*,\\s*\\d{1,3})*)]");

	/** A marker with the blanks before it. */
	private static final Pattern MARKED = Pattern.compile("[ \\t]*" + MARKER.pattern());

	private Citations() {
	}

	/**
	 * The passages {@code text} cites, in ascending {@code n}, each once. A marker
	 * naming no passage (a model counting past the list, or citing from memory) is
	 * dropped.
	 */
	static List<Citation> cited(String text, List<Passage> passages) {
		TreeSet<Integer> numbers = new TreeSet<>();
		Matcher marker = MARKER.matcher(text);
		while (marker.find()) {
			for (String number : marker.group(1).split(",")) {
				int n = Integer.parseInt(number.strip());
				if (n >= 1 && n <= passages.size()) {
					numbers.add(n);
				}
			}
		}
		return numbers.stream().map((n) -> of(n, passages.get(n - 1), excerpt(passages.get(n - 1).content()))).toList();
	}

	static Citation of(int n, Passage passage, String quote) {
		return new Citation(n, passage.documentId(), passage.documentTitle(), passage.chunkIndex(), quote);
	}

	/** The text without its citation markers (earlier answers in a prompt: their numbers meant other passages). */
	static String withoutMarkers(String text) {
		return MARKED.matcher(text).replaceAll("");
	}

	/** {@code text} as one line without control characters, at most {@value #QUOTE_MAX} characters. */
	static String excerpt(String text) {
		return excerpt(text, QUOTE_MAX);
	}

	/**
	 * {@code text} as one line without control characters, cut to at most {@code max}
	 * characters (then ending in "…", never in half a surrogate pair).
	 */
	static String excerpt(String text, int max) {
		String flat = text.replaceAll("\\p{Cntrl}", " ").replaceAll("\\s+", " ").strip();
		if (flat.length() <= max) {
			return flat;
		}
		int end = max;
		if (Character.isHighSurrogate(flat.charAt(end - 1))) {
			end--;
		}
		return flat.substring(0, end) + "…";
	}

}
