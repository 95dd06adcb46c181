<?php
// mail.php MODE [FILE] — call PHP's mail() the way web applications do;
// prints "true" or "false" (what mail() returned).  sendmail_path comes
// from the command line (-d sendmail_path=...).
//   plain  To bob, additional headers From, Cc, Reply-To (as a string),
//          additional_params -f bounce@example.test
//   array  the same headers given as an array (PHP >= 7.2), To fred
//   mime   multipart/mixed: a text part and FILE as a base64 attachment
//          named data.bin, To grace, -f bounce@example.test
$mode = $argv[1] ?? '';
$ok = false;
switch ($mode) {
case 'plain':
	$ok = mail('Bob <bob@example.test>', 'PHP plain',
		"Hello Bob,\nthis came from PHP's mail().\n.\nA lone dot above.\n",
		"From: Web App <app@example.test>\r\n" .
		"Cc: carol@example.test\r\n" .
		"Reply-To: Help Desk <help@example.test>\r\n" .
		"X-Mailer: PHP/" . PHP_VERSION,
		'-f bounce@example.test');
	break;
case 'array':
	$ok = mail('fred@example.test', 'PHP array headers', "Array form.\n", [
		'From' => 'Web App <app@example.test>',
		'Reply-To' => 'help@example.test',
		'X-Array' => 'yes',
	]);
	break;
case 'mime':
	$data = file_get_contents($argv[2]);
	$b = '=_relayq_test_boundary_42';
	$body = "This is a multi-part message in MIME format.\r\n" .
		"\r\n--$b\r\n" .
		"Content-Type: text/plain; charset=UTF-8\r\n" .
		"Content-Transfer-Encoding: 8bit\r\n" .
		"\r\n" .
		"Grüße, see the attachment.\r\n" .
		"\r\n--$b\r\n" .
		"Content-Type: application/octet-stream; name=\"data.bin\"\r\n" .
		"Content-Transfer-Encoding: base64\r\n" .
		"Content-Disposition: attachment; filename=\"data.bin\"\r\n" .
		"\r\n" .
		chunk_split(base64_encode($data), 76, "\r\n") .
		"\r\n--$b--\r\n";
	$ok = mail('grace@example.test', 'PHP attachment', $body,
		"From: Web App <app@example.test>\r\n" .
		"Cc: heidi@example.test\r\n" .
		"MIME-Version: 1.0\r\n" .
		"Content-Type: multipart/mixed; boundary=\"$b\"",
		'-f bounce@example.test');
	break;
default:
	fwrite(STDERR, "usage: mail.php plain|array|mime [FILE]\n");
	exit(2);
}
echo $ok ? "true\n" : "false\n";
