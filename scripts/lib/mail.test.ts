import { parseMail } from './mail';

describe('parseMail', () => {
  it('decodes the subject and the quoted-printable text part of a multipart message', () => {
    const message = [
      'From: a@example.com',
      'To: b@example.com',
      'Subject: [local] Model deployed: =?UTF-8?Q?caf=C3=A9?=',
      'Content-Type: multipart/alternative;',
      ' boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Accuracy: 0.95 on the valida=',
      'tion split =E2=9C=93',
      '--b1',
      'Content-Type: text/html; charset=UTF-8',
      '',
      '<p>html</p>',
      '--b1--',
      '',
    ].join('\r\n');
    const mail = parseMail('m.eml', message);
    expect(mail.subject).toBe('[local] Model deployed: café');
    expect(mail.to).toBe('b@example.com');
    expect(mail.text).toBe('Accuracy: 0.95 on the validation split ✓');
  });
});
