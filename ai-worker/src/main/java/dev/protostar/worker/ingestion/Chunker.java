package dev.protostar.worker.ingestion;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits text into chunks of at most {@code size} characters, each starting about
 * {@code overlap} characters before the previous one ended, so a sentence cut at a
 * boundary is whole in one of the two. Cuts prefer, within the second half of a
 * window: a paragraph break, then a sentence end, then any whitespace; only a run
 * without whitespace is cut mid-word (never inside a surrogate pair).
 *
 * <p>
 * Deterministic: the same text and settings give the same chunks, which is what makes
 * a re-run's upserts (keyed by chunk index) idempotent and lets a resumed run skip the
 * chunks already embedded. Changing size or overlap changes the chunks of a document
 * only when it is ingested again.
 */
public class Chunker {

	private final int size;

	private final int overlap;

	public Chunker(int size, int overlap) {
		if (size < 50) {
			throw new IllegalArgumentException("chunk size must be at least 50 characters, was " + size);
		}
		if (overlap < 0 || overlap > size / 2) {
			throw new IllegalArgumentException("chunk overlap must be within 0.." + size / 2 + ", was " + overlap);
		}
		this.size = size;
		this.overlap = overlap;
	}

	public List<String> chunk(String text) {
		List<String> chunks = new ArrayList<>();
		int n = text.length();
		int start = 0;
		while (true) {
			while (start < n && Character.isWhitespace(text.charAt(start))) {
				start++;
			}
			if (start >= n) {
				return chunks;
			}
			if (n - start <= this.size) {
				chunks.add(text.substring(start).strip());
				return chunks;
			}
			int cut = cut(text, start);
			chunks.add(text.substring(start, cut).strip());
			int next = wordStart(text, cut - this.overlap, cut);
			start = (next > start) ? next : cut;
		}
	}

	/** Where the chunk starting at {@code start} ends (exclusive). */
	private int cut(String text, int start) {
		int end = start + this.size;
		int min = start + this.size / 2;
		int best = -1;
		// A paragraph break: cut just after it.
		for (int i = end - 2; i >= min; i--) {
			if (text.charAt(i) == '\n' && text.charAt(i + 1) == '\n') {
				return i + 1;
			}
		}
		// A sentence end followed by whitespace, or a line break.
		for (int i = end - 1; i >= min; i--) {
			char c = text.charAt(i);
			if (c == '\n') {
				return i + 1;
			}
			if (isSentenceEnd(c) && i + 1 < text.length() && Character.isWhitespace(text.charAt(i + 1))) {
				return i + 1;
			}
			if (best < 0 && Character.isWhitespace(c)) {
				best = i + 1;
			}
		}
		if (best > 0) {
			return best;
		}
		// No whitespace at all: a hard cut, but not between the halves of a surrogate pair.
		return Character.isHighSurrogate(text.charAt(end - 1)) ? end - 1 : end;
	}

	/** The first word start at or after {@code from} and before {@code limit}; {@code from} when none. */
	private static int wordStart(String text, int from, int limit) {
		if (from <= 0) {
			return 0;
		}
		if (Character.isWhitespace(text.charAt(from - 1))) {
			return from;
		}
		for (int i = from; i < limit; i++) {
			if (Character.isWhitespace(text.charAt(i))) {
				return i + 1;
			}
		}
		return Character.isLowSurrogate(text.charAt(from)) ? from - 1 : from;
	}

	private static boolean isSentenceEnd(char c) {
		return c == '.' || c == '!' || c == '?' || c == '。' || c == '！' || c == '？' || c == '…';
	}

}
