package dev.protostar.browser;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.FluentWait;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A blue/green deploy during a streaming answer ends with the full answer shown once.
 * <p>
 * Run by {@code scripts/test/e2e/deploy.sh}, which points the stack's ai-worker at a
 * slow model (scripts/test/e2e/slow-model.pl: a word every 100 ms until told to finish)
 * and talks with this test through files in {@code protostar.browser.deploy-signals}:
 * the test writes {@code streaming} once the answer is on screen and still growing; the
 * suite then deploys the backend (the old colour ends its event streams as it stops, the
 * page reconnects through nginx to the new one with Last-Event-ID), writes
 * {@code deployed}, and a few seconds later {@code finish}, which ends the model's answer.
 * The model leaves what it said in {@code answer-N.txt}.
 * <p>
 * What the user saw is checked against what the model said and what was stored: the
 * streamed text only ever grew, its last state was the whole answer (no word lost in the
 * reconnect, none repeated), one answer bubble shows exactly the stored answer. The page's
 * event-stream connections are watched (a wrapper around {@code fetch}, installed before
 * the app's scripts) to prove the answer really moved: tokens of this answer came over a
 * connection to the old colour and over one to the new colour, which was opened with
 * Last-Event-ID and replayed from it. The screenshot is {@code deploy-during-answer.png}.
 */
@EnabledIfSystemProperty(named = "protostar.browser.deploy-signals", matches = ".+")
class DeployDuringAnswerBrowserTests {

	/**
	 * Keeps a record of every /api/events response: the Last-Event-ID it was asked with,
	 * and each event it carried with the time it was read. The app reads the other half of
	 * a tee, so it sees the same bytes.
	 */
	private static final String WATCH_EVENT_STREAMS = """
			(() => {
			  const original = window.fetch;
			  const connections = window.eventStreams = [];
			  window.fetch = async function (input, init) {
			    const response = await original.apply(this, arguments);
			    const url = String(typeof input === 'string' ? input : input.url);
			    if (!url.includes('/api/events') || !response.body) return response;
			    const record = { lastEventId: new Headers(init && init.headers).get('Last-Event-ID'),
			      status: response.status, opened: Date.now(), events: [] };
			    connections.push(record);
			    const [mine, theirs] = response.body.tee();
			    (async () => {
			      const reader = mine.pipeThrough(new TextDecoderStream()).getReader();
			      let buffer = '';
			      try {
			        for (;;) {
			          const { value, done } = await reader.read();
			          if (done) break;
			          buffer += value;
			          let end;
			          while ((end = buffer.indexOf('\\n\\n')) >= 0) {
			            const block = buffer.slice(0, end);
			            buffer = buffer.slice(end + 2);
			            const event = { at: Date.now(), event: 'message', id: null, data: '' };
			            for (const line of block.split('\\n')) {
			              if (line.startsWith('event:')) event.event = line.slice(6).trim();
			              else if (line.startsWith('id:')) event.id = line.slice(3).trim();
			              else if (line.startsWith('data:')) event.data += line.slice(5).replace(/^ /, '');
			            }
			            if (event.data) record.events.push(event);
			          }
			        }
			      } catch (error) {
			        record.error = String(error);
			      }
			      record.closed = Date.now();
			    })();
			    return new Response(theirs, { status: response.status, statusText: response.statusText,
			      headers: response.headers });
			  };
			})();""";

	/** Every state of the streamed text the page painted; one that did not extend the one before is kept. */
	private static final String RECORD_STREAMED_TEXT = """
			window.streamed = { paints: 0, last: '', shrank: [] };
			new MutationObserver(() => {
			  const element = document.querySelector('#messages .markdown.streaming');
			  // marked ends its paragraph with a newline: only the text counts.
			  const text = element ? element.textContent.trimEnd() : window.streamed.last;
			  if (text === window.streamed.last) return;
			  if (!text.startsWith(window.streamed.last) && window.streamed.shrank.length < 5) {
			    window.streamed.shrank.push('…' + window.streamed.last.slice(-60) + '  ->  …' + text.slice(-60));
			  }
			  window.streamed.last = text;
			  window.streamed.paints++;
			}).observe(document.getElementById('messages'), { childList: true, subtree: true, characterData: true });""";

	/** Per connection: its colour, what it replayed from, and this job's token events. */
	private static final String CONNECTIONS = """
			const job = arguments[0];
			return window.eventStreams.map((c) => {
			  const ready = c.events.find((e) => e.event === 'ready');
			  const data = ready ? JSON.parse(ready.data) : {};
			  const tokens = c.events.filter((e) => e.event === 'token' && JSON.parse(e.data).jobId === job);
			  return { lastEventId: c.lastEventId, status: c.status, color: data.color || null,
			    replayedFrom: data.replayedFrom || null, ended: c.closed || null,
			    tokenIds: tokens.map((e) => e.id), firstToken: tokens.length ? tokens[0].at : null,
			    lastToken: tokens.length ? tokens[tokens.length - 1].at : null };
			});""";

	/** The stored messages of the user's only conversation, through the API the page uses. */
	private static final String STORED_ANSWER = """
			const done = arguments[arguments.length - 1];
			const headers = { Authorization: 'Bearer ' + JSON.parse(localStorage.getItem('protostar.session')).accessToken };
			(async () => {
			  const conversations = await (await fetch('/api/conversations?size=10', { headers })).json();
			  const id = conversations.data.items[0].id;
			  const messages = await (await fetch('/api/conversations/' + id + '/messages?size=200', { headers })).json();
			  const answers = messages.data.items.filter((m) => m.role !== 'user');
			  done({ count: answers.length, content: answers[0].content, provider: answers[0].metadata.provider,
			    degraded: answers[0].metadata.degraded });
			})().catch((error) => done({ error: String(error) }));""";

	private static String baseUrl;

	private static Path signals;

	private static Path screenshots;

	private static ChromeDriver driver;

	@BeforeAll
	static void startBrowser() throws IOException {
		baseUrl = System.getProperty("protostar.browser.base-url").replaceAll("/$", "");
		signals = Path.of(System.getProperty("protostar.browser.deploy-signals"));
		screenshots = Path.of(System.getProperty("protostar.browser.screenshots", "target/screenshots"));
		Files.createDirectories(screenshots);
		ChromeOptions options = new ChromeOptions();
		options.setBinary(System.getProperty("protostar.browser.chromium", "/usr/bin/chromium"));
		options.setAcceptInsecureCerts(true);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=en-US",
				"--window-size=1280,900");
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(System.getProperty("protostar.browser.driver", "/usr/bin/chromedriver")))
			.build();
		driver = new ChromeDriver(service, options);
		// Before any script of any page: the app's first fetch of /api/events is watched too.
		driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", WATCH_EVENT_STREAMS));
	}

	@AfterAll
	static void stopBrowser() {
		if (driver != null) {
			driver.quit();
		}
	}

	@Test
	void aDeployDuringAStreamingAnswerEndsWithTheFullAnswerShownOnce() throws IOException {
		signUp();
		js(RECORD_STREAMED_TEXT);
		WebElement question = waitFor(Duration.ofSeconds(10), By.id("question"));
		question.sendKeys("How long is parental leave, and when do I tell my manager?", Keys.ENTER);
		// Streaming: several words on screen, the stored answer not yet.
		waitUpTo(Duration.ofSeconds(90)).until((d) -> streamedWords() >= 8);
		String job = driver.findElement(By.cssSelector(".message.assistant[data-job]")).getAttribute("data-job");
		assertThat(driver.findElements(By.cssSelector(".message.assistant.answered"))).isEmpty();
		Files.writeString(signals.resolve("streaming"), Instant.now() + "\n");
		// The suite deploys: starting the new colour, switching, draining and stopping the
		// old one takes a minute or two on two busy cores.
		waitUpTo(Duration.ofSeconds(400)).pollingEvery(Duration.ofSeconds(1))
			.until((d) -> Files.exists(signals.resolve("deployed")));
		assertThat(driver.findElements(By.cssSelector(".message.assistant.answered")))
			.as("the answer is still streaming when the deploy is over").isEmpty();
		WebElement answer = waitFor(Duration.ofSeconds(120), By.cssSelector(".message.assistant.answered"));

		String said = normalized(Files.readString(onlyAnswerFile()));
		@SuppressWarnings("unchecked")
		Map<String, Object> stored = (Map<String, Object>) ((JavascriptExecutor) driver).executeAsyncScript(STORED_ANSWER);
		@SuppressWarnings("unchecked")
		Map<String, Object> streamed = (Map<String, Object>) js("return window.streamed;");
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> connections = (List<Map<String, Object>>) js(CONNECTIONS, job);
		String report = "streamed paints: " + streamed.get("paints") + "; event streams, in order: "
				+ connections.stream().map(DeployDuringAnswerBrowserTests::describe).toList();
		Files.writeString(signals.resolve("browser-report.txt"), report + "\n");
		screenshot("deploy-during-answer");

		// What was stored is what the model said, from the model itself (not the fallback).
		assertThat(stored).as("stored answer").containsEntry("count", 1L).containsEntry("provider", "openai")
			.containsEntry("degraded", false);
		assertThat(normalized((String) stored.get("content"))).isEqualTo(said);
		// Shown once: one question, one answer bubble, its text the stored answer.
		assertThat(driver.findElements(By.cssSelector("#messages .message.user"))).hasSize(1);
		assertThat(driver.findElements(By.cssSelector("#messages .message.assistant"))).hasSize(1);
		assertThat(normalized(driver.findElement(By.cssSelector(".message.assistant.answered .markdown")).getText()))
			.isEqualTo(said);
		// While it streamed, the text only grew, and it grew into the whole answer: no word
		// was lost in the reconnect and none came twice.
		assertThat((List<?>) streamed.get("shrank")).as("streamed text that did not extend the one before").isEmpty();
		assertThat(normalized((String) streamed.get("last"))).as("the streamed text before the stored answer")
			.isEqualTo(said);

		// It moved colours mid-answer: this answer's tokens came over the first colour's
		// stream and over the other colour's, which was asked to replay from the last event
		// the page had and did.
		List<Map<String, Object>> carrying = connections.stream()
			.filter((c) -> !((List<?>) c.get("tokenIds")).isEmpty())
			.toList();
		assertThat(carrying).as(report).hasSizeGreaterThanOrEqualTo(2);
		Map<String, Object> first = carrying.get(0);
		Map<String, Object> last = carrying.get(carrying.size() - 1);
		assertThat(last.get("color")).as(report).isNotNull().isNotEqualTo(first.get("color"));
		assertThat(last.get("lastEventId")).as("Last-Event-ID of the new colour's stream; " + report).isNotNull();
		assertThat(last.get("replayedFrom")).as(report).isEqualTo(last.get("lastEventId"));
		// And no event came over the network twice (the page would have skipped it).
		List<Object> ids = carrying.stream().flatMap((c) -> ((List<?>) c.get("tokenIds")).stream()).map(Object.class::cast)
			.toList();
		assertThat(ids).as(report).doesNotHaveDuplicates();
	}

	/** "blue, Last-Event-ID 1-0, replayed from 1-0, 12 tokens of the answer" and when they came. */
	private static String describe(Map<String, Object> connection) {
		List<?> tokens = (List<?>) connection.get("tokenIds");
		return connection.get("color") + " (HTTP " + connection.get("status") + "), Last-Event-ID "
				+ connection.get("lastEventId") + ", replayed from " + connection.get("replayedFrom") + ", "
				+ tokens.size() + " tokens of the answer"
				+ (tokens.isEmpty() ? "" : " from " + tokens.get(0) + " to " + tokens.get(tokens.size() - 1));
	}

	private static Path onlyAnswerFile() throws IOException {
		try (var files = Files.list(signals)) {
			List<Path> answers = files.filter((p) -> p.getFileName().toString().matches("answer-\\d+\\.txt")).toList();
			assertThat(answers).as("what the model said (one answer)").hasSize(1);
			return answers.get(0);
		}
	}

	/**
	 * Words in the streaming bubble, read in one script: the page repaints the bubble on every
	 * token, so an element found by one WebDriver call can be gone by the next (stale).
	 */
	private static int streamedWords() {
		String text = (String) js("const e = document.querySelector('#messages .markdown.streaming');"
				+ " return e ? e.innerText : '';");
		return text.isBlank() ? 0 : text.strip().split("\\s+").length;
	}

	private static String normalized(String text) {
		return text.strip().replaceAll("\\s+", " ");
	}

	private static Object js(String script, Object... arguments) {
		return ((JavascriptExecutor) driver).executeScript(script, arguments);
	}

	private static void signUp() {
		driver.get(baseUrl + "/signup");
		waitFor(Duration.ofSeconds(10), By.id("displayName")).sendKeys("Browser deploy");
		driver.findElement(By.id("email")).sendKeys("deploy-" + UUID.randomUUID() + "@example.com");
		driver.findElement(By.id("password")).sendKeys("correct-horse-battery", Keys.ENTER);
		waitFor(Duration.ofSeconds(15), By.id("question"));
	}

	/**
	 * A wait that tries again when the element it looked at was repainted meanwhile: the
	 * app redraws the streaming answer on every token often, so "stale" means "look again".
	 */
	private static FluentWait<WebDriver> waitUpTo(Duration timeout) {
		return new WebDriverWait(driver, timeout).ignoring(StaleElementReferenceException.class);
	}

	private static WebElement waitFor(Duration timeout, By by) {
		return new WebDriverWait(driver, timeout).until(ExpectedConditions.visibilityOfElementLocated(by));
	}

	private static void screenshot(String name) throws IOException {
		Files.write(screenshots.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
	}

}
