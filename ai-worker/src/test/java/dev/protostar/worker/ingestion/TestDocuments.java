package dev.protostar.worker.ingestion;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.xwpf.usermodel.XWPFDocument;

/** Files of each supported format, made by the same libraries that read them. */
public final class TestDocuments {

	public static final String KOREAN = "한국어 문서입니다. 연차 휴가는 매년 15일이 주어집니다.";

	private TestDocuments() {
	}

	/** A PDF with one line per paragraph, in Helvetica (Latin text only). */
	public static byte[] pdf(String... lines) throws IOException {
		try (PDDocument document = new PDDocument()) {
			PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
			PDPage page = new PDPage();
			document.addPage(page);
			try (PDPageContentStream content = new PDPageContentStream(document, page)) {
				content.beginText();
				content.setFont(font, 11);
				content.newLineAtOffset(50, 740);
				for (String line : lines) {
					content.showText(line);
					content.newLineAtOffset(0, -16);
				}
				content.endText();
			}
			return save(document);
		}
	}

	/**
	 * A PDF whose text is Korean: like most real CJK PDFs, the glyph codes mean
	 * nothing by themselves and a ToUnicode map tells the reader which characters they
	 * are (no Hangul font is needed to make or read it). Codes A, B, C, D, E map to 한,
	 * 국, 어, 문, 서 and space stays a space.
	 */
	public static byte[] koreanPdf() throws IOException {
		String cmap = """
				/CIDInit /ProcSet findresource begin
				12 dict begin
				begincmap
				/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
				/CMapName /Adobe-Identity-UCS def
				/CMapType 2 def
				1 begincodespacerange
				<00> <FF>
				endcodespacerange
				6 beginbfchar
				<41> <D55C>
				<42> <AD6D>
				<43> <C5B4>
				<44> <BB38>
				<45> <C11C>
				<20> <0020>
				endbfchar
				endcmap
				CMapName currentdict /CMap defineresource pop
				end
				end
				""";
		try (PDDocument document = new PDDocument()) {
			PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
			PDStream toUnicode = new PDStream(document);
			try (OutputStream out = toUnicode.createOutputStream()) {
				out.write(cmap.getBytes(StandardCharsets.US_ASCII));
			}
			font.getCOSObject().setItem(COSName.TO_UNICODE, toUnicode);
			PDPage page = new PDPage();
			document.addPage(page);
			try (PDPageContentStream content = new PDPageContentStream(document, page)) {
				content.beginText();
				content.setFont(font, 11);
				content.newLineAtOffset(50, 740);
				content.showText("ABC DE");
				content.endText();
			}
			return save(document);
		}
	}

	public static byte[] docx(String... paragraphs) throws IOException {
		try (XWPFDocument document = new XWPFDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
			for (String paragraph : paragraphs) {
				document.createParagraph().createRun().setText(paragraph);
			}
			document.write(out);
			return out.toByteArray();
		}
	}

	/** A PDF of {@code pages} pages, each with {@code line} on it (empty pages when it is null). */
	public static byte[] pdfWithPages(int pages, String line) throws IOException {
		try (PDDocument document = new PDDocument()) {
			PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
			for (int i = 0; i < pages; i++) {
				PDPage page = new PDPage();
				document.addPage(page);
				if (line != null) {
					try (PDPageContentStream content = new PDPageContentStream(document, page)) {
						content.beginText();
						content.setFont(font, 11);
						content.newLineAtOffset(50, 740);
						for (int y = 0; y < 40; y++) {
							content.showText(line);
							content.newLineAtOffset(0, -16);
						}
						content.endText();
					}
				}
			}
			return save(document);
		}
	}

	/**
	 * A PDF of one page whose content stream is {@code blanks} spaces, Flate-compressed
	 * (about a thousand to one): a decompression bomb when large.
	 */
	public static byte[] pdfWithBlankContent(long blanks) throws IOException {
		try (PDDocument document = new PDDocument()) {
			PDPage page = new PDPage();
			document.addPage(page);
			PDStream content = new PDStream(document);
			byte[] block = new byte[1 << 20];
			Arrays.fill(block, (byte) ' ');
			try (OutputStream out = content.createOutputStream(COSName.FLATE_DECODE)) {
				for (long left = blanks; left > 0; left -= block.length) {
					out.write(block, 0, (int) Math.min(block.length, left));
				}
			}
			page.setContents(content);
			return save(document);
		}
	}

	/**
	 * A DOCX whose body is one paragraph of {@code chars} characters: all {@code a} when
	 * {@code randomEvery} is 0 (deflated at level 9, about 1,000 to 1), else every
	 * {@code randomEvery}-th a random letter (deflated at level 1: 100 gives some 45 to 1,
	 * which POI's default ratio guard lets through). The XML is written as it is
	 * compressed, so a gigabyte of it never is in memory.
	 */
	public static byte[] docxWithText(long chars, int randomEvery) throws IOException {
		return docx(chars, randomEvery, 0);
	}

	/** A DOCX with one short paragraph and {@code extra} more entries in its container. */
	public static byte[] docxWithEntries(int extra) throws IOException {
		return docx(10, 0, extra);
	}

	private static byte[] docx(long chars, int randomEvery, int extraEntries) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (ZipInputStream template = new ZipInputStream(new ByteArrayInputStream(docx("template")));
				ZipOutputStream zip = new ZipOutputStream(out)) {
			for (ZipEntry entry = template.getNextEntry(); entry != null; entry = template.getNextEntry()) {
				boolean body = entry.getName().equals("word/document.xml");
				if (body) {
					zip.setLevel(randomEvery == 0 ? Deflater.BEST_COMPRESSION : Deflater.BEST_SPEED);
				}
				zip.putNextEntry(new ZipEntry(entry.getName()));
				if (body) {
					writeBody(zip, chars, randomEvery);
				}
				else {
					template.transferTo(zip);
				}
				zip.closeEntry();
				zip.setLevel(Deflater.DEFAULT_COMPRESSION);
			}
			for (int i = 0; i < extraEntries; i++) {
				zip.putNextEntry(new ZipEntry("customXml/item" + i + ".xml"));
				zip.write("<item/>".getBytes(StandardCharsets.US_ASCII));
				zip.closeEntry();
			}
		}
		return out.toByteArray();
	}

	private static void writeBody(OutputStream out, long chars, int randomEvery) throws IOException {
		out.write(("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document"
				+ " xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>")
			.getBytes(StandardCharsets.US_ASCII));
		byte[] block = new byte[1 << 20];
		Arrays.fill(block, (byte) 'a');
		long state = 42;
		for (long left = chars; left > 0; left -= block.length) {
			for (int i = 0; randomEvery > 0 && i < block.length; i += randomEvery) {
				state = state * 6364136223846793005L + 1442695040888963407L;
				block[i] = (byte) ('a' + (int) ((state >>> 33) % 26));
			}
			out.write(block, 0, (int) Math.min(block.length, left));
		}
		out.write("</w:t></w:r></w:p></w:body></w:document>".getBytes(StandardCharsets.US_ASCII));
	}

	/** English prose of about {@code chars} characters in paragraphs; varies with {@code seed}. */
	public static String prose(int chars, int seed) {
		String[] words = { "policy", "leave", "employee", "contract", "salary", "holiday", "manager", "request",
				"approval", "document", "office", "travel", "expense", "report", "training", "security" };
		StringBuilder text = new StringBuilder(chars + 100);
		long state = seed * 2654435761L + 1;
		int sentence = 0;
		while (text.length() < chars) {
			int length = 6 + (int) ((state >>> 33) % 12);
			for (int i = 0; i < length; i++) {
				state = state * 6364136223846793005L + 1442695040888963407L;
				String word = words[(int) ((state >>> 33) % words.length)];
				text.append(i == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
				text.append(i == length - 1 ? ". " : " ");
			}
			if (++sentence % 5 == 0) {
				text.setLength(text.length() - 1);
				text.append("\n\n");
			}
		}
		return text.toString().strip();
	}

	private static byte[] save(PDDocument document) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		document.save(out);
		return out.toByteArray();
	}

}
