#!/usr/bin/perl
# Summary: A slow stand-in for an OpenAI-compatible chat server (vLLM, Ollama): an answer
# that is still streaming while the e2e suite deploys the backend.
# Usage: perl slow-model.pl PORT DIR [INTERVAL-MS] [MAX-SECONDS]
#
# No model runs here, so this speaks the protocol the ai-worker's openai provider reads
# (OpenAiCompatibleAnswerProvider): POST .../chat/completions with "stream": true answers
# text/event-stream, "data: {chat.completion.chunk}" events, the text in
# choices[0].delta.content, one word per event every INTERVAL-MS (default 100), a last
# chunk with finish_reason "stop", then "data: [DONE]". The answer goes on, numbered
# sentence after numbered sentence, until DIR/finish exists (the suite writes it once its
# deploy is over) or MAX-SECONDS (default 240) passed; the sentence under way is finished
# first. What was sent is written to DIR/answer-N.txt (N counts requests), so a test
# compares what the model said with what the user was shown; then a pause of a second
# before the finish keeps the last word apart from the stored answer in a browser's paints.
# Anything else: 404. Runs in protostar/nginx, which has perl-base only: no JSON or
# Time::HiRes, hence the regular expressions and select() for sleeping.
use strict;
use warnings;
use IO::Socket::INET;

my ($port, $dir, $interval, $max) = @ARGV;
die "usage: slow-model.pl PORT DIR [INTERVAL-MS] [MAX-SECONDS]\n" unless $port && $dir;
$interval //= 100;
$max //= 240;
$SIG{CHLD} = 'IGNORE';
$| = 1;
my @sentences = (
  'Parental leave lasts sixteen weeks at full pay.',
  'Either parent may take it within a year of the birth or adoption.',
  'Tell your manager at least four weeks before it starts.',
  'The weeks may be split into two blocks if your team agrees.',
  'Your holiday allowance keeps growing while you are away.',
);
my $listener = IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => $port, Listen => 64, ReuseAddr => 1)
  or die "listen on $port: $!\n";
print "slow-model listening on $port, a word every ${interval} ms\n";
my $requests = 0;
while (1) {
  my $client = $listener->accept or next;
  $requests++;
  my $pid = fork;
  if (defined $pid && $pid == 0) {
    close $listener;
    serve($client, $requests);
    exit 0;
  }
  close $client;
}

sub serve {
  my ($c, $n) = @_;
  my $request = <$c> // return;
  my %h;
  while (defined(my $line = <$c>)) {
    last if $line =~ /^\r?\n$/;
    $h{lc $1} = $2 if $line =~ /^([^:]+):\s*(.*?)\r?$/;
  }
  my $body = '';
  read($c, $body, $h{'content-length'}) if $h{'content-length'};
  if ($request !~ m{^POST \S*/chat/completions HTTP/}) {
    print $c "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 23\r\nConnection: close\r\n\r\n";
    print $c '{"error":"not found"}' . "\r\n";
    return;
  }
  unless ($body =~ /"stream"\s*:\s*true/) {
    my $error = '{"error":{"message":"this stand-in only streams"}}';
    print $c "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: "
      . length($error) . "\r\nConnection: close\r\n\r\n$error";
    return;
  }
  my ($model) = $body =~ /"model"\s*:\s*"([^"\\]*)"/;
  $model //= 'slow-model';
  my $id = "chatcmpl-standin-$$-$n";
  my $created = time;
  my $chunk = sub {
    my ($delta, $finish) = @_;
    my $json = qq({"id":"$id","object":"chat.completion.chunk","created":$created,"model":"$model",)
      . qq("choices":[{"index":0,"delta":$delta,"finish_reason":) . ($finish ? qq("$finish") : 'null') . '}]}';
    print $c "data: $json\n\n";
  };
  print "request $n: answering (model $model)\n";
  print $c "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
  $c->autoflush(1);
  $chunk->('{"role":"assistant","content":""}');
  my $text = '';
  my $deadline = time + $max;
  my $sentence = 0;
  while (1) {
    $sentence++;
    my @words = split / /, "($sentence) " . $sentences[($sentence - 1) % @sentences];
    for my $word (@words) {
      my $piece = ($text eq '' ? '' : ' ') . $word;
      $text .= $piece;
      # The worker hung up (a cancelled job, a worker stopping): nothing more to say.
      $chunk->(qq({"content":") . ($piece =~ s/(["\\])/\\$1/gr) . '"}') or return;
      select(undef, undef, undef, $interval / 1000);
    }
    last if -e "$dir/finish" || time >= $deadline;
  }
  # Written before the answer ends, so it is there when the answer is shown.
  if (open(my $out, '>', "$dir/answer-$n.txt")) {
    print $out $text;
    close $out;
  }
  sleep 1;
  $chunk->('{}', 'stop');
  print $c "data: [DONE]\n\n";
  close $c;
  print "request $n: answered $sentence sentences, " . length($text) . " characters\n";
}
