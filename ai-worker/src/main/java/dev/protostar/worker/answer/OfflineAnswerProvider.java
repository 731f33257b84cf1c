package dev.protostar.worker.answer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.protostar.worker.retrieval.Passage;

/**
 * Answers without any model or network: it quotes the sentences of the retrieved
 * passages that share the most words with the question, each followed by the number of
 * the citation it comes from. Deterministic: the same question and passages give the
 * same answer. English and Korean (the answer's frame is in the question's language).
 * <p>
 * Relevance is lexical, so it has to work for Korean, whose particles stick to words
 * (휴가는, 휴가를): Hangul is compared by character bigrams, other scripts by words
 * without a small list of question words, with a plural "s" dropped. When no
 * sentence shares a word with the question (the retriever matched it by meaning), the
 * opening sentences of the best passages are quoted instead, introduced as the closest
 * matches rather than as the answer.
 * <p>
 * Without passages the answer says honestly that no indexed document covers the
 * question, quoting it.
 */
class OfflineAnswerProvider implements AnswerProvider {

	static final String NAME = "offline";

	/** Sentences quoted at most. */
	static final int MAX_QUOTES = 3;

	/** Terms a sentence needs to be quoted at all. */
	static final int MIN_TERMS = 3;

	/** Longest quoted sentence; longer ones are cut with "…". */
	static final int MAX_SENTENCE = 300;

	private static final Pattern HANGUL = Pattern.compile("[\\uAC00-\\uD7A3\\u1100-\\u11FF\\u3130-\\u318F]");

	private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

	/** A sentence ends after . ! ? (also full-width) followed by a space, or at a line break. */
	private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?。！？])\\s+|\\s*\\n\\s*");

	private static final Set<String> ENGLISH_STOP_WORDS = Set.of("a", "an", "the", "is", "are", "was", "were", "be",
			"been", "do", "does", "did", "i", "me", "my", "we", "our", "us", "you", "your", "what", "which", "who",
			"whom", "how", "when", "where", "why", "of", "to", "in", "on", "for", "and", "or", "at", "by", "with",
			"from", "about", "can", "could", "should", "would", "will", "shall", "may", "might", "must", "have", "has",
			"had", "there", "this", "that", "these", "those", "it", "its", "as", "if", "any", "many", "much", "get",
			"please", "tell", "know", "want", "need", "am", "not", "no", "so", "than", "then", "into", "also");

	/** Bigrams of Korean question endings and question words, which match nearly every sentence. */
	private static final Set<String> KOREAN_STOP_BIGRAMS = Set.of("입니", "니까", "니다", "습니", "합니", "있나",
			"나요", "무엇", "어떻", "떻게", "는지", "인가", "가요", "되나", "있습", "세요", "을까", "까요", "인지", "하나",
			"는가", "어떤", "얼마", "마나", "알려", "려주", "주세", "해야", "야하", "하는");

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public Answer answer(AnswerRequest request, Consumer<String> tokens) {
		return answer(request, tokens, false);
	}

	/**
	 * The answer; {@code degraded}: it stands in for a remote provider that failed,
	 * and says so in its first line.
	 */
	Answer answer(AnswerRequest request, Consumer<String> tokens, boolean degraded) {
		boolean korean = HANGUL.matcher(request.question()).find();
		Answer answer = request.passages().isEmpty() ? new Answer(noDocument(request.question(), korean), List.of(), NAME, null)
				: quote(request, korean, degraded);
		tokens(answer.text()).forEach(tokens);
		return answer;
	}

	/** The answer when nothing was retrieved (the text predates retrieval and stays the same). */
	static String noDocument(String question, boolean korean) {
		if (korean) {
			return "아직 조직의 문서로는 답할 수 없습니다: 색인된 문서 중 \"" + Citations.excerpt(question)
					+ "\"에 해당하는 문서가 없습니다. 문서가 업로드되고 색인되면 답변에 출처가 함께 인용됩니다.";
		}
		return "I can't answer this from your organisation's documents yet: no indexed document covers \""
				+ Citations.excerpt(question) + "\". Once documents are uploaded and indexed, answers will quote them "
				+ "with citations.";
	}

	private Answer quote(AnswerRequest request, boolean korean, boolean degraded) {
		Set<String> asked = terms(request.question());
		List<Sentence> sentences = new ArrayList<>();
		List<Passage> passages = request.passages();
		for (int p = 0; p < passages.size(); p++) {
			int position = 0;
			for (String text : SENTENCE_END.split(passages.get(p).content())) {
				String sentence = text.strip();
				Set<String> shared = terms(sentence);
				// Fewer terms: a heading ("Annual leave."), which says nothing on its own.
				if (shared.size() >= MIN_TERMS) {
					shared.retainAll(asked);
					sentences.add(new Sentence(p, position++, sentence, shared.size()));
				}
			}
		}
		List<Sentence> chosen = sentences.stream()
			.filter((s) -> s.score() > 0)
			.sorted(Comparator.comparingInt(Sentence::score)
				.reversed()
				.thenComparingInt(Sentence::passage)
				.thenComparingInt(Sentence::position))
			.limit(MAX_QUOTES)
			.toList();
		boolean direct = !chosen.isEmpty();
		if (!direct) {
			// Nothing shares a word with the question: the best passages' opening sentences.
			chosen = sentences.stream().filter((s) -> s.position() == 0).limit(2).toList();
		}
		chosen = chosen.stream().sorted(Comparator.comparingInt(Sentence::passage).thenComparingInt(Sentence::position)).toList();

		StringBuilder text = new StringBuilder();
		if (degraded) {
			text.append(korean ? "지금은 답변 서비스를 사용할 수 없어 문서를 그대로 인용합니다."
					: "The answer service is unavailable right now, so this answer quotes the documents directly.")
				.append("\n\n");
		}
		if (korean) {
			text.append(direct ? "조직 문서에 따르면:" : "질문에 바로 답하는 구절은 찾지 못했습니다. 가장 가까운 내용입니다:");
		}
		else {
			text.append(direct ? "Here is what your organisation's documents say:"
					: "No passage answers this directly; these are the closest:");
		}
		// Citations are numbered in the order the answer first quotes their passage.
		Map<Integer, Citation> citations = new LinkedHashMap<>();
		for (Sentence sentence : chosen) {
			String quoted = Citations.excerpt(sentence.text(), MAX_SENTENCE);
			Citation citation = citations.computeIfAbsent(sentence.passage(),
					(p) -> Citations.of(citations.size() + 1, passages.get(p), Citations.excerpt(quoted)));
			text.append("\n- \"").append(quoted).append("\" [").append(citation.n()).append(']');
		}
		return new Answer(text.toString(), List.copyOf(citations.values()), NAME, null);
	}

	/**
	 * The comparable units of a text: Hangul words as character bigrams (a one-syllable
	 * word as itself), other words lower-cased, without stop words and a plural "s".
	 */
	static Set<String> terms(String text) {
		Set<String> terms = new HashSet<>();
		Matcher word = WORD.matcher(Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT));
		while (word.find()) {
			String w = word.group();
			if (HANGUL.matcher(w).find()) {
				if (w.length() == 1) {
					terms.add(w);
				}
				for (int i = 0; i + 2 <= w.length(); i++) {
					String bigram = w.substring(i, i + 2);
					if (!KOREAN_STOP_BIGRAMS.contains(bigram)) {
						terms.add(bigram);
					}
				}
			}
			else if (!ENGLISH_STOP_WORDS.contains(w) && (w.length() > 1 || Character.isDigit(w.charAt(0)))) {
				terms.add((w.length() > 3 && w.endsWith("s") && !w.endsWith("ss")) ? w.substring(0, w.length() - 1) : w);
			}
		}
		return terms;
	}

	/** The answer cut into the pieces it is streamed as: word by word, each with its following space. */
	static List<String> tokens(String answer) {
		List<String> tokens = new ArrayList<>();
		int start = 0;
		for (int i = 0; i < answer.length(); i++) {
			if (answer.charAt(i) == ' ') {
				tokens.add(answer.substring(start, i + 1));
				start = i + 1;
			}
		}
		if (start < answer.length()) {
			tokens.add(answer.substring(start));
		}
		return tokens;
	}

	private record Sentence(int passage, int position, String text, int score) {
	}

}
