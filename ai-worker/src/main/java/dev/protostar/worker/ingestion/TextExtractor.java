package dev.protostar.worker.ingestion;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.text.PDFTextStripper;
import org.apache.poi.xwpf.extractor.XWPFWordExtractor;
import org.apache.poi.xwpf.usermodel.XWPFDocument;

import dev.protostar.contract.document.FileType;

/**
 * Plain text out of an uploaded file: txt, md (markup stripped lightly), pdf (PDFBox)
 * and docx (POI). The format is decided by the content's magic bytes (the contract's
 * {@link FileType}, which the backend's upload check uses too), checked against the
 * declared content type: neither a file name nor a browser's guess is trusted alone.
 * Text is returned in Unicode NFC (macOS writes Korean file content decomposed into
 * jamo, which would neither display nor match as typed) with line ends normalised.
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

	private final long maxChars;

	/** @param maxChars the most characters of text a document may yield */
	TextExtractor(long maxChars) {
		this.maxChars = maxChars;
	}

	/** What a file turned out to be. */
	enum Format {

		TEXT, MARKDOWN, PDF, DOCX

	}

	/**
	 * @param content the whole file
	 * @param declaredType the Content-Type given at upload, possibly with a charset
	 * @param filename the uploaded file's name, only used to tell markdown from plain text
	 */
	String extract(byte[] content, String declaredType, String filename) throws UnusableDocumentException {
		if (content.length == 0) {
			throw new UnusableDocumentException("the file is empty");
		}
		ContentType declared = ContentType.parse(declaredType);
		Format format = format(content, declared, filename);
		String text = switch (format) {
			case TEXT -> decode(content, declared.charset());
			case MARKDOWN -> stripMarkdown(decode(content, declared.charset()));
			case PDF -> pdf(content);
			case DOCX -> docx(content);
		};
		text = normalise(text);
		if (text.isBlank()) {
			throw new UnusableDocumentException(switch (format) {
				case PDF -> "the PDF contains no text (a scan without a text layer? OCR is not supported)";
				case DOCX -> "the DOCX document contains no text";
				default -> "the file contains no text";
			});
		}
		if (text.length() > this.maxChars) {
			throw new UnusableDocumentException("the file holds more than " + this.maxChars
					+ " characters of text, the limit (protostar.ingestion.max-chars)");
		}
		return text;
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
	 * replacement characters (mojibake in the index helps nobody).
	 */
	static String decode(byte[] content, String charsetName) throws UnusableDocumentException {
		Charset charset = StandardCharsets.UTF_8;
		int offset = 0;
		if (content.length >= 3 && (content[0] & 0xFF) == 0xEF && (content[1] & 0xFF) == 0xBB
				&& (content[2] & 0xFF) == 0xBF) {
			offset = 3;
		}
		else if (content.length >= 2 && (((content[0] & 0xFF) == 0xFE && (content[1] & 0xFF) == 0xFF)
				|| ((content[0] & 0xFF) == 0xFF && (content[1] & 0xFF) == 0xFE))) {
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
		try {
			return charset.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(content, offset, content.length - offset))
				.toString();
		}
		catch (CharacterCodingException ex) {
			throw new UnusableDocumentException("the text is not valid " + charset.name()
					+ " (declare its charset in the content type, e.g. text/plain; charset=EUC-KR)");
		}
	}

	static String pdf(byte[] content) throws UnusableDocumentException {
		try (PDDocument document = Loader.loadPDF(content)) {
			PDFTextStripper stripper = new PDFTextStripper();
			stripper.setSortByPosition(true);
			return stripper.getText(document);
		}
		catch (InvalidPasswordException ex) {
			throw new UnusableDocumentException("the PDF is encrypted with a password");
		}
		catch (IOException | RuntimeException ex) {
			throw new UnusableDocumentException("the PDF is corrupt or unreadable: " + ex.getMessage(), ex);
		}
	}

	static String docx(byte[] content) throws UnusableDocumentException {
		try (XWPFDocument document = new XWPFDocument(new ByteArrayInputStream(content));
				XWPFWordExtractor extractor = new XWPFWordExtractor(document)) {
			return extractor.getText();
		}
		catch (IOException | RuntimeException ex) {
			throw new UnusableDocumentException("not a readable DOCX document: " + ex.getMessage(), ex);
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
