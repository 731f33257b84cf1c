package dev.protostar.worker.ingestion;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.protostar.contract.document.FileType;

/**
 * Plain text out of an uploaded file: txt, md (markup stripped lightly), pdf (PDFBox)
 * and docx (POI). The format is decided by the content's magic bytes (the contract's
 * {@link FileType}, which the backend's upload check uses too), checked against the
 * declared content type: neither a file name nor a browser's guess is trusted alone.
 * Text is returned in Unicode NFC (macOS writes Korean file content decomposed into
 * jamo, which would neither display nor match as typed) with line ends normalised.
 *
 * <p>
 * Files are untrusted, so each is read within {@link ParseLimits}: from a file on disk
 * rather than a byte array, on a thread of its own that the job waits for at most
 * {@code timeout}. A parse past its time is abandoned (interrupted, and it stops at its
 * next deadline check); the job thread goes on to the next job at once. A file past a
 * limit fails with a reason naming the setting, like any unusable file.
 */
class TextExtractor {

	static final String PDF = "application/pdf";

	static final String DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

	static final String SUPPORTED = "text/plain, text/markdown, application/pdf, " + DOCX;

	private static final Pattern FENCE = Pattern.compile("(?m)^\\s*(```|~~~).*$");

	private static final Pattern HEADING = Pattern.compile("(?m)^\\s{0,3}#{1,6}\\s+");

	private static final Pattern QUOTE = Pattern.compile("(?m)^\\s{0,3}>\\s?");

	private static final Pattern LIST = Pattern.compile("(?m)^(\\s*)(?:[-*+]|\\d+[.)])\\s+");

	private static final Pattern RULE = Pattern.compile("(?m)^\\s{0,3}([-*_])(\\s*\\1){2,}\\s*$");

	private static final Pattern TABLE_RULE = Pattern.compile("(?m)^\\s*\\|?\\s*:?-{3,}:?\\s*(\\|\\s*:?-{3,}:?\\s*)*\\|?\\s*$");

	private static final Pattern IMAGE = Pattern.compile("!\\[([^\\]]*)\\]\\([^)]*\\)");

	private static final Pattern LINK = Pattern.compile("\\[([^\\]]+)\\]\\([^)]*\\)");

	private static final Pattern STRONG = Pattern.compile("(\\*\\*|__)(?=\\S)(.+?)(?<=\\S)\\1");

	private static final Pattern EMPHASIS = Pattern.compile("(?<![*\\w])\\*(?=\\S)([^*\\n]+?)(?<=\\S)\\*(?!\\*)");

	private static final Pattern CODE = Pattern.compile("`([^`\\n]+)`");

	private static final Pattern HTML_TAG = Pattern.compile("</?[A-Za-z][^>\\n]*>|<!--.*?-->", Pattern.DOTALL);

	private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]");

	private static final Pattern BLANK_LINES = Pattern.compile("\\n[ \\t]*(\\n[ \\t]*){2,}");

	/** Parse threads: daemons, so one that ignores its deadline cannot hold up the JVM's exit. */
	private static final ThreadFactory PARSERS = Thread.ofPlatform().name("document-parser-", 1).daemon().factory();

	private final ParseLimits limits;

	TextExtractor(ParseLimits limits) {
		this.limits = limits;
	}

	/** What a file turned out to be. */
	enum Format {

		TEXT, MARKDOWN, PDF, DOCX

	}

	/**
	 * @param file the whole file
	 * @param declaredType the Content-Type given at upload, possibly with a charset
	 * @param filename the uploaded file's name, only used to tell markdown from plain text
	 * @throws UnusableDocumentException when the file cannot give text: unsupported,
	 * corrupt, empty, or past a limit
	 * @throws IOException when the file could not be read from the local disk
	 * @throws InterruptedException when the calling thread was interrupted (the parse is
	 * abandoned)
	 */
	String extract(Path file, String declaredType, String filename)
			throws UnusableDocumentException, IOException, InterruptedException {
		Deadline deadline = Deadline.start(this.limits);
		FutureTask<String> parse = new FutureTask<>(() -> parse(file, declaredType, filename, deadline));
		PARSERS.newThread(parse).start();
		try {
			return parse.get(this.limits.timeout().toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			parse.cancel(true);
			throw new UnusableDocumentException(this.limits.tooSlow());
		}
		catch (InterruptedException ex) {
			parse.cancel(true);
			throw ex;
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof LimitExceededException limit) {
				throw new UnusableDocumentException(limit.getMessage(), limit);
			}
			if (cause instanceof UnusableDocumentException unusable) {
				throw new UnusableDocumentException(unusable.getMessage(), unusable);
			}
			if (cause instanceof IOException io) {
				throw new IOException(io.getMessage(), io);
			}
			if (cause instanceof Error error) {
				throw error;
			}
			throw new IllegalStateException("reading the file failed: " + cause, cause);
		}
	}

	/** On the parse thread. */
	String parse(Path file, String declaredType, String filename, Deadline deadline)
			throws UnusableDocumentException, IOException {
		if (Files.size(file) == 0) {
			throw new UnusableDocumentException("the file is empty");
		}
		ContentType declared = ContentType.parse(declaredType);
		Format format = format(head(file), declared, filename);
		String text = switch (format) {
			case TEXT -> decode(file, declared.charset(), deadline);
			case MARKDOWN -> stripMarkdown(decode(file, declared.charset(), deadline));
			case PDF -> PdfText.extract(file, this.limits, deadline);
			case DOCX -> DocxText.extract(file, this.limits, deadline);
		};
		text = normalise(text);
		if (text.isBlank()) {
			throw new UnusableDocumentException(switch (format) {
				case PDF -> "the PDF contains no text (a scan without a text layer? OCR is not supported)";
				case DOCX -> "the DOCX document contains no text";
				default -> "the file contains no text";
			});
		}
		if (text.length() > this.limits.maxChars()) {
			throw new UnusableDocumentException(this.limits.tooManyChars());
		}
		return text;
	}

	/** The first bytes, as much as {@link FileType#sniff(byte[])} looks at. */
	private static byte[] head(Path file) throws IOException {
		try (InputStream in = Files.newInputStream(file)) {
			return in.readNBytes(FileType.SNIFF_BYTES);
		}
	}

	/** The format, from the magic bytes, which must agree with the declared type. */
	Format format(byte[] content, ContentType declared, String filename) throws UnusableDocumentException {
		FileType sniffed = FileType.sniff(content);
		String type = declared.type();
		boolean unknown = type.isEmpty() || type.equals("application/octet-stream");
		boolean text = type.startsWith("text/plain") || type.equals("text/markdown") || type.equals("text/x-markdown");
		if (!unknown && !text && !type.equals(PDF) && !type.equals(DOCX)) {
			throw new UnusableDocumentException("unsupported content type '" + type + "' (supported: " + SUPPORTED + ")");
		}
		switch (sniffed) {
			case PDF -> {
				if (!unknown && !type.equals(PDF)) {
					throw new UnusableDocumentException("declared as " + type + " but the content is a PDF");
				}
				return Format.PDF;
			}
			case ZIP -> {
				if (!unknown && !type.equals(DOCX)) {
					throw new UnusableDocumentException("declared as " + type + " but the content is a ZIP archive");
				}
				return Format.DOCX;
			}
			case TEXT -> {
				if (type.equals(PDF) || type.equals(DOCX)) {
					throw new UnusableDocumentException("declared as " + (type.equals(PDF) ? "a PDF" : "a DOCX document")
							+ " but the content is not one (it does not start with the format's signature)");
				}
				boolean markdown = type.endsWith("markdown") || (filename != null
						&& filename.toLowerCase(Locale.ROOT).matches(".*\\.(md|markdown)$"));
				return markdown ? Format.MARKDOWN : Format.TEXT;
			}
			default -> throw new UnusableDocumentException("unsupported file: the content is "
					+ sniffed.description() + " (supported: " + SUPPORTED + ")");
		}
	}

	/**
	 * Strict decoding: UTF-8 unless the content type names a charset or the file starts
	 * with a UTF-16 byte order mark. Invalid bytes fail rather than turn into
	 * replacement characters (mojibake in the index helps nobody). Reading stops as soon
	 * as the text can no longer fit.
	 */
	String decode(Path file, String charsetName, Deadline deadline) throws UnusableDocumentException, IOException {
		try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
			in.mark(3);
			byte[] bom = in.readNBytes(3);
			in.reset();
			Charset charset = StandardCharsets.UTF_8;
			if (bom.length == 3 && (bom[0] & 0xFF) == 0xEF && (bom[1] & 0xFF) == 0xBB && (bom[2] & 0xFF) == 0xBF) {
				in.skipNBytes(3);
			}
			else if (bom.length >= 2 && (((bom[0] & 0xFF) == 0xFE && (bom[1] & 0xFF) == 0xFF)
					|| ((bom[0] & 0xFF) == 0xFF && (bom[1] & 0xFF) == 0xFE))) {
				charset = StandardCharsets.UTF_16; // reads and drops the byte order mark
			}
			else if (charsetName != null) {
				try {
					charset = Charset.forName(charsetName);
				}
				catch (IllegalCharsetNameException | UnsupportedCharsetException ex) {
					throw new UnusableDocumentException("unknown charset '" + charsetName + "' in the content type");
				}
			}
			Reader reader = new InputStreamReader(in, charset.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT));
			StringBuilder text = new StringBuilder();
			char[] buffer = new char[8192];
			try {
				for (int n = reader.read(buffer); n >= 0; n = reader.read(buffer)) {
					text.append(buffer, 0, n);
					BoundedText.check(text, this.limits, deadline);
				}
			}
			catch (CharacterCodingException ex) {
				throw new UnusableDocumentException("the text is not valid " + charset.name()
						+ " (declare its charset in the content type, e.g. text/plain; charset=EUC-KR)");
			}
			return text.toString();
		}
	}

	/** Light markdown removal: markers go, the words they decorate stay. */
	static String stripMarkdown(String text) {
		String s = text.replace("\r\n", "\n");
		s = FENCE.matcher(s).replaceAll("");
		s = TABLE_RULE.matcher(s).replaceAll("");
		s = RULE.matcher(s).replaceAll("");
		s = HEADING.matcher(s).replaceAll("");
		s = QUOTE.matcher(s).replaceAll("");
		s = LIST.matcher(s).replaceAll("$1");
		s = IMAGE.matcher(s).replaceAll("$1");
		s = LINK.matcher(s).replaceAll("$1");
		s = STRONG.matcher(s).replaceAll("$2");
		s = EMPHASIS.matcher(s).replaceAll("$1");
		s = CODE.matcher(s).replaceAll("$1");
		s = HTML_TAG.matcher(s).replaceAll("");
		return s;
	}

	/** NFC, \n line ends, no control characters, no runs of blank lines. */
	static String normalise(String text) {
		String s = text.replace("\r\n", "\n").replace('\r', '\n');
		s = Normalizer.normalize(s, Normalizer.Form.NFC);
		s = CONTROL.matcher(s).replaceAll("");
		s = s.replace('\u00A0', ' ');
		s = BLANK_LINES.matcher(s).replaceAll("\n\n");
		return s.strip();
	}

	/** A Content-Type: its lower-cased media type and its charset parameter, if any. */
	record ContentType(String type, String charset) {

		private static final Pattern CHARSET = Pattern.compile("(?i);\\s*charset=\"?([^\";\\s]+)\"?");

		static ContentType parse(String value) {
			if (value == null) {
				return new ContentType("", null);
			}
			int semicolon = value.indexOf(';');
			String type = ((semicolon >= 0) ? value.substring(0, semicolon) : value).strip().toLowerCase(Locale.ROOT);
			Matcher matcher = CHARSET.matcher(value);
			return new ContentType(type, matcher.find() ? matcher.group(1) : null);
		}

	}

}
