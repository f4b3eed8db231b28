// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { readForm } from './forms';

const form = (html: string, attrs = '') => {
  document.body.innerHTML = `<form ${attrs}>${html}</form>`;
  return document.querySelector('form')!;
};

describe('form capture', () => {
  beforeEach(() => (document.body.innerHTML = ''));

  it('reads a demo request form: email, traits, kind and fields', () => {
    const f = form(
      `<input name="first_name" value="Ada"><input name="last_name" value="Lovelace">
       <input type="email" name="work" value="ada@example.com"><input name="company" value="Engines Ltd">
       <input name="job_title" value="CTO"><input name="phone" value="+1 415 555 0100">
       <select name="size"><option>1-10</option><option selected>51-200</option></select>
       <textarea name="message">Call me</textarea><button type="submit" name="go" value="x">Send</button>`,
      'id="demo" name="demo-form" action="/thanks" data-piste-form="demo"',
    );
    expect(readForm(f)).toEqual({
      email: 'ada@example.com',
      traits: { name: 'Ada Lovelace', company: 'Engines Ltd', title: 'CTO', phone: '+1 415 555 0100' },
      form: {
        id: 'demo',
        name: 'demo-form',
        action: '/thanks',
        kind: 'demo',
        fields: {
          first_name: 'Ada',
          last_name: 'Lovelace',
          work: 'ada@example.com',
          company: 'Engines Ltd',
          job_title: 'CTO',
          phone: '+1 415 555 0100',
          size: '51-200',
          message: 'Call me',
        },
      },
    });
  });

  it('never reads password, hidden, file inputs, card fields, or anything marked data-piste-ignore', () => {
    const f = form(`<input name="email" value="a@b.co"><input type="password" name="pw" value="hunter2">
      <input type="hidden" name="plan" value="secret-plan"><input type="file" name="cv">
      <input name="card" autocomplete="cc-number" value="4111111111111111">
      <input name="note" value="4111 1111 1111 1111"><input name="ref" data-piste-ignore value="private">
      <fieldset data-piste-ignore><input name="inside" value="private"></fieldset>
      <input type="checkbox" name="terms" value="yes"><input type="checkbox" name="news" value="on" checked>`);
    const p = readForm(f)!;
    expect(p.form.fields).toEqual({ email: 'a@b.co', news: 'on' });
    expect(JSON.stringify(p)).not.toMatch(/hunter2|secret-plan|4111|private/);
  });

  it('skips a form marked data-piste-ignore entirely', () => {
    expect(readForm(form('<input name="email" value="a@b.co">', 'data-piste-ignore'))).toBeUndefined();
  });

  it('is not fooled by inputs named like form properties', () => {
    const f = form('<input name="action" value="x"><input name="id" value="y">', 'action="/real" id="f1"');
    expect(readForm(f)!.form).toMatchObject({ id: 'f1', action: '/real' });
  });

  it('keeps at most 50 fields of an enormous form', () => {
    const f = form(Array.from({ length: 3000 }, (_, i) => `<input name="f${i}" value="v${i}">`).join(''));
    expect(Object.keys(readForm(f)!.form.fields)).toHaveLength(50);
  });

  it('sanitizes a { email, kind, fields } object exactly like a form', () => {
    expect(
      readForm({
        email: 'ada@example.com',
        kind: 'newsletter',
        fields: { name: 'Ada', cardNumber: '4111111111111111', plan: 'pro', seats: 3, nested: { x: 1 } },
      }),
    ).toEqual({
      email: 'ada@example.com',
      traits: { name: 'Ada' },
      form: { kind: 'newsletter', fields: { name: 'Ada', plan: 'pro', seats: '3' } },
    });
  });
});
