package dev.protostar.worker.retrieval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.worker.embedding.EmbeddingProvider;
import dev.protostar.worker.ingestion.Chunker;

/**
 * The retrieval evaluation set (src/test/resources/evaluation, see its README): HR
 * policy documents in Korean and English and labelled questions. Ingests the documents
 * (chunked as ingestion does, embedded by the given model, written with their lexical
 * terms) and scores each retrieval mode by recall@5 and MRR, overall and per language.
 */
final class RetrievalEvaluation {

	static final String[] DOCUMENTS = { "en-annual-leave", "en-remote-work", "en-expenses", "en-security",
			"ko-parental-leave", "ko-onboarding", "ko-health-benefits", "ko-working-hours", "ko-sick-leave",
			"bi-harassment" };

	/** Passages looked at per question. */
	static final int K = 5;

	/** One labelled question: the passage containing {@code evidence} in {@code document} answers it. */
	record Question(String id, String language, String document, String evidence, String question) {
	}

	/** recall@5 and MRR of one mode over some questions. */
	record Score(int questions, double recall, double mrr) {
	}

	private RetrievalEvaluation() {
	}

	static List<Question> questions() throws IOException {
		List<Question> questions = new ArrayList<>();
		for (String line : resource("questions.tsv").split("\n")) {
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			String[] f = line.split("\t", -1);
			if (f.length != 5) {
				throw new IllegalStateException("questions.tsv: expected 5 tab-separated fields in: " + line);
			}
			questions.add(new Question(f[0], f[1], f[2], f[3], f[4]));
		}
		return questions;
	}

	/** The document's text, and its title (the first line without '# '). */
	static String document(String name) throws IOException {
		return resource("documents/" + name + ".md");
	}

	/**
	 * Writes every document as a ready PUBLIC document of chunks embedded by
	 * {@code embeddings}. @return the document ids by name
	 */
	static Map<String, UUID> ingest(RetrievalFixture fixture, EmbeddingProvider embeddings, Chunker chunker)
			throws IOException {
		Map<String, UUID> ids = new LinkedHashMap<>();
		for (String name : DOCUMENTS) {
			String text = document(name);
			String title = text.lines().findFirst().orElse(name).replaceFirst("^#\\s*", "");
			List<String> chunks = chunker.chunk(text);
			ids.put(name, fixture.ready(title, DocumentAccess.PUBLIC, embeddings, chunks.toArray(String[]::new)));
		}
		return ids;
	}

	/** Whether a passage answers the question: the labelled document, containing the evidence. */
	static boolean relevant(Question question, Passage passage, Map<String, UUID> ids) {
		return passage.documentId().equals(ids.get(question.document()))
				&& squeeze(passage.content()).contains(question.evidence());
	}

	/** Scores of a mode by language ("all", "en", "ko"). */
	static Map<String, Score> score(HybridRetriever retriever, RetrievalMode mode, List<Question> questions,
			Map<String, UUID> ids) {
		Map<String, double[]> sums = new LinkedHashMap<>();
		for (Question question : questions) {
			List<Passage> passages = retriever.retrieve(question.question(), DocumentAccess.PUBLIC, K, mode);
			double reciprocal = 0;
			for (int rank = 1; rank <= passages.size(); rank++) {
				if (relevant(question, passages.get(rank - 1), ids)) {
					reciprocal = 1.0 / rank;
					break;
				}
			}
			double hit = (reciprocal > 0) ? 1 : 0;
			for (String key : List.of("all", question.language())) {
				double[] sum = sums.computeIfAbsent(key, (k) -> new double[3]);
				sum[0]++;
				sum[1] += hit;
				sum[2] += reciprocal;
			}
		}
		Map<String, Score> scores = new LinkedHashMap<>();
		sums.forEach((key, sum) -> scores.put(key, new Score((int) sum[0], sum[1] / sum[0], sum[2] / sum[0])));
		return scores;
	}

	/** Runs of white space as one space, as the labels are written. */
	static String squeeze(String text) {
		return text.replaceAll("\\s+", " ");
	}

	private static String resource(String path) throws IOException {
		try (InputStream in = RetrievalEvaluation.class.getResourceAsStream("/evaluation/" + path)) {
			if (in == null) {
				throw new IOException("no evaluation/" + path + " on the classpath");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
